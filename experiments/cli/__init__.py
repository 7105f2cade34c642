"""The command line's Hydra glue: compose and check every job before Hydra runs, launchers, one job."""
