"""The local ERP catalogue: products, compositions, stock movements, customers, CSV."""
