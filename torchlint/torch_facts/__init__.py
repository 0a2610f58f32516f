"""Facts about torch and its ecosystem that the analysis needs without importing torch: what torch's API
returns, floating dtypes, names every ``nn.Module`` has, and base classes of other packages that are modules."""
