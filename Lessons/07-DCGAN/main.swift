print("this lesson is being written")
