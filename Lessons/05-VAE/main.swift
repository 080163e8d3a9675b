print("lesson 05 is being written")
