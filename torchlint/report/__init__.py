"""Show findings: the output formats, SARIF, baselines, and the rules' documentation."""
