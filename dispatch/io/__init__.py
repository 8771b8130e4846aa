"""Import and export of technicians, customers, products, jobs, parts, stock and scenarios."""
