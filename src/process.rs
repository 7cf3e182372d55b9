//! Process hardening done once at start, before any secret is in memory: no core dumps, so a
//! crash of the unlocked wizard cannot write tokens and client secrets to disk.

/// Sets `RLIMIT_CORE` to 0 (inherited by the programs mastokey starts, which is fine: `exec`
/// hands them a token) and, on Linux, marks the process not dumpable, which also keeps other
/// processes of the same user from reading its memory through ptrace or `/proc/PID/mem`.
/// Best effort: a platform that refuses keeps running as before.
pub fn harden() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let _ = setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        );
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use rustix::process::{DumpableBehavior, set_dumpable_behavior};
        let _ = set_dumpable_behavior(DumpableBehavior::NotDumpable);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(unix)]
    fn no_core_dumps_after_harden() {
        super::harden();
        let core = rustix::process::getrlimit(rustix::process::Resource::Core);
        assert_eq!((core.current, core.maximum), (Some(0), Some(0)));
        #[cfg(target_os = "linux")]
        assert_eq!(
            rustix::process::dumpable_behavior().ok(),
            Some(rustix::process::DumpableBehavior::NotDumpable)
        );
    }
}
