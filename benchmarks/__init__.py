"""Speed and memory measurements, kept out of the test run."""
