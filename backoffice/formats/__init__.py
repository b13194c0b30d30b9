"""Local changes to Django's number and date formats (settings.FORMAT_MODULE_PATH)."""
