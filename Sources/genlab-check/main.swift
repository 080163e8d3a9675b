// genlab-check: grades the functions in Exercises/ against GenLab's reference twins.
//
//     swift run genlab-check 01          one exercise
//     swift run genlab-check --all       every exercise (Exercises/README.md lists them)
//
// The teacher's solutions are checked the same way by genlab-check-solutions in
// Exercises/Solutions (a separate package, so a student's copy need not contain it).
import ExerciseChecker
import Exercises

runChecker(submission: submission, tool: "genlab-check")
