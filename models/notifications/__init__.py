"""Notifications: who wants what, when and how (push, e-mail, SMS), the queue that sends
them, and the channels themselves."""
