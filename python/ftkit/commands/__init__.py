"""One module per `ftkit` subcommand: each adds its parser and returns an exit code."""
