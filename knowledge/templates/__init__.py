"""Document templates (.docx data) and the script that builds the defaults."""
