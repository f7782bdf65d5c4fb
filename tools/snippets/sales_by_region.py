import pandas as pd
import matplotlib.pyplot as plt
df = pd.DataFrame({"region": ["north", "south", "east", "west"], "sales": [120, 95, 143, 88], "margin": [0.21, 0.18, 0.25, 0.16]})
plt.bar(df.region, df.sales)
plt.title("Sales by region")
result = df
