"""The running service: settings, application factory, polling and webhook, delivery worker,
scheduled jobs, CLI, the Bot API emulator and the offline sandbox."""
