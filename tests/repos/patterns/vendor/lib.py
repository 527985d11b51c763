def pick(obj, name):
    return eval(getattr(obj, name))
