def expire_notices():
    return 0
