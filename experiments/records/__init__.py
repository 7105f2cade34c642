"""Run and sweep folders and the files in them: claimed folders, atomic writes, run records, replay."""
