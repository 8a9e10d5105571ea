"""Tasks (classification / forecasting) and centralised training."""
