"""The engine: assembles the bot, keeps the durable inbox, syncs, dispatches, runs jobs, serves health."""
