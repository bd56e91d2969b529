"""Public URLs of the insights add-on: the transparency page, under /figures/."""

app_name = "insights"

urlpatterns: list = []
