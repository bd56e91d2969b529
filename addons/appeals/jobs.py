def send_reminders():
    return 0
