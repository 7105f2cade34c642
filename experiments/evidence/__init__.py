"""The model against the evidence: validation, calibration, the Bayesian posterior, sensitivity, scenario discovery."""
