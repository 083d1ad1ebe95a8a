{
  "targets": [
    {
      "target_name": "infobound_blas",
      "sources": ["blas.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-fno-math-errno", "-ffp-contract=off"],
      "libraries": ["-ldl", "-lm"]
    }
  ]
}
