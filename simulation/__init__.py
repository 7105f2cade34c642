"""Agent-based simulator of vocational training, employment and migration intent."""
