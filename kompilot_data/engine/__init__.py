"""The engine: reach, demand and supply, indicators, matching and pooling (numpy and pandas, no I/O)."""
