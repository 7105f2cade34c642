"""What the results of a sweep say: aggregates, incremental cost, the report, its figures, the words for them."""
