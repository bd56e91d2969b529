"""A small add-on with casework: the desk's generated screens and assignment are tested on it."""
