import GenLab
print("lesson01")
