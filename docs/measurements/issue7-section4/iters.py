import highspy, sys, time
for method in ("simplex", "ipm"):
    for f in sys.argv[1:]:
        h = highspy.Highs(); h.setOptionValue("output_flag", False); h.setOptionValue("threads", 1)
        h.setOptionValue("solver", method); h.readModel(f)
        t = time.perf_counter(); h.run(); t = time.perf_counter() - t
        i = h.getInfo()
        print(h.version(), method, f, "simplex_it", i.simplex_iteration_count, "ipm_it", i.ipm_iteration_count, "crossover_it", i.crossover_iteration_count, "s %.3f" % t, "obj %.6f" % i.objective_function_value)
