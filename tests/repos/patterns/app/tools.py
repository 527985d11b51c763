"""Shell and eval helpers (hazards on purpose)."""

import subprocess


def run(cmd):
    subprocess.run(cmd, shell=True, check=True)
    subprocess.call(cmd, shell=True)
    subprocess.check_output(
        cmd,
        shell=True,
        text=True,
    )
    return eval(cmd)


def quiet(cmd):
    print(eval("1 + 1"), evaluate(cmd))
    subprocess.run(cmd)


def evaluate(text):
    return len(text)
