"""What people see and do in Telegram: one module per flow. Imports storage, locales, telegram;
never bot."""
