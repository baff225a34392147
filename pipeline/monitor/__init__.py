"""`vtx monitor`: training-serving skew, drift and schema anomalies of logged prediction requests."""
