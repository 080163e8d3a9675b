// genlab-check-solutions: the checker run on the teacher's solutions — every exercise
// must pass (CI runs `swift run genlab-check-solutions --all`).
import ExerciseChecker
import ExerciseSolutions

runChecker(submission: submission, tool: "genlab-check-solutions")
