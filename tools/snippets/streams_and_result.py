import sys
print("stdout line")
print("stderr line", file=sys.stderr)
result = {"dark": True, "items": [1, 2, 3]}
# a comment
def f(x):
    return x * 2
