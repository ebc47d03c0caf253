"""Apps: a user's FreeRTOS sources, described by their project file, built per heap scheme with
the harness's board support, run on the emulated boards and compared scheme by scheme.

`project` reads `memharness.toml`; `config` decides the FreeRTOSConfig.h keys the harness owns;
`build` compiles the variants; the run and the comparison read the app from outside.
"""
