app_name = "addressees"

urlpatterns = []
