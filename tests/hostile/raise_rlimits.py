# Raising rlimits back: lift each hard limit the engine set to unlimited (and, separately,
# the soft limit to the hard one, which is allowed and harmless).
import resource

result = {}
for label in ("RLIMIT_AS", "RLIMIT_NPROC", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_CORE"):
    which = getattr(resource, label)
    soft, hard = resource.getrlimit(which)
    seen = {"before": [soft, hard]}
    try:
        resource.setrlimit(which, (soft, resource.RLIM_INFINITY))
        seen["raised_hard"] = True
    except (ValueError, OSError) as e:
        seen["raised_hard"] = False
        seen["error"] = "%s: %s" % (type(e).__name__, e)
    seen["after"] = list(resource.getrlimit(which))
    result[label] = seen
