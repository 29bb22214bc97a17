//! Real-time thread set-up: pin to a core, SCHED_FIFO priority, lock memory. Each step may
//! be refused (no CAP_SYS_NICE, a container, a core that does not exist); the caller gets a
//! [`RealtimeOutcome`] to log once and carries on at normal priority.

use std::fmt;

/// What a real-time set-up request achieved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RealtimeOutcome {
    /// The core the thread was pinned to, if pinning succeeded.
    pub pinned_core: Option<usize>,
    /// The SCHED_FIFO priority granted, if any.
    pub fifo_priority: Option<i32>,
    /// The `errno` of a refused SCHED_FIFO request.
    pub fifo_refused_errno: Option<i32>,
}

impl fmt::Display for RealtimeOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pinned_core {
            Some(core) => write!(f, "pinned to core {core}")?,
            None => write!(f, "not pinned")?,
        }
        match (self.fifo_priority, self.fifo_refused_errno) {
            (Some(priority), _) => write!(f, ", SCHED_FIFO {priority}"),
            (None, Some(errno)) => write!(
                f,
                ", SCHED_FIFO refused (errno {errno}; grant CAP_SYS_NICE or LimitRTPRIO in the \
                 service unit); running at normal priority"
            ),
            (None, None) => write!(f, ", normal priority"),
        }
    }
}

/// Pins the calling thread to `core` (when given) and asks for SCHED_FIFO at `priority`
/// (when given). Never fails: refusals are reported in the outcome.
pub fn make_current_thread_realtime(core: Option<usize>, priority: Option<i32>) -> RealtimeOutcome {
    let mut outcome = RealtimeOutcome::default();
    if let Some(core) = core {
        let available = core_affinity::get_core_ids().unwrap_or_default();
        if let Some(id) = available.into_iter().find(|id| id.id == core) {
            if core_affinity::set_for_current(id) {
                outcome.pinned_core = Some(core);
            }
        }
    }
    if let Some(priority) = priority {
        let param = libc::sched_param {
            sched_priority: priority,
        };
        // SAFETY: `param` is a valid, initialised sched_param that outlives the call; thread 0
        // means the calling thread.
        let result = unsafe { libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) };
        if result == 0 {
            outcome.fifo_priority = Some(priority);
        } else {
            outcome.fifo_refused_errno = Some(last_errno());
        }
    }
    outcome
}

/// The priority a background thread got from [`make_current_thread_lowest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum LowestPriority {
    /// Both refused: normal priority.
    Normal = 0,
    /// Nice 19 (SCHED_IDLE refused).
    Nice19 = 1,
    /// SCHED_IDLE: runs only when a core would otherwise be idle.
    Idle = 2,
}

/// Lowers the calling thread to the lowest priority (SCHED_IDLE, and nice 19 for
/// schedulers that ignore it): for work that must never delay the recogniser (the
/// language model). Never fails: returns what was granted.
pub fn make_current_thread_lowest() -> LowestPriority {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `param` is a valid, initialised sched_param that outlives the call; thread 0
    // means the calling thread.
    let idle = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } == 0;
    // SAFETY: gettid takes no arguments and cannot fail.
    let tid = unsafe { libc::gettid() };
    // SAFETY: setpriority takes only integers; on Linux PRIO_PROCESS with a thread id
    // changes that thread's nice value.
    let nice = unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19) } == 0;
    match (idle, nice) {
        (true, _) => LowestPriority::Idle,
        (false, true) => LowestPriority::Nice19,
        (false, false) => LowestPriority::Normal,
    }
}

/// Locks all current and future pages in memory so a page fault never stalls a real-time
/// thread. Returns the `errno` when refused.
pub fn lock_all_memory() -> Result<(), i32> {
    // SAFETY: mlockall takes only flags and touches no memory of ours.
    let result = unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) };
    if result == 0 {
        Ok(())
    } else {
        Err(last_errno())
    }
}

/// The number of cores this process may run on.
pub fn available_cores() -> usize {
    core_affinity::get_core_ids().map_or(1, |ids| ids.len().max(1))
}

fn last_errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Writes bytes to standard error with one `write` call and no allocation or lock: the only
/// output that is safe from inside the allocator.
pub fn write_stderr_raw(bytes: &[u8]) {
    // SAFETY: the pointer and length describe a live byte slice; fd 2 may be closed, in which
    // case write fails harmlessly and we ignore it.
    let _ = unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
}
