//! The language model on its own thread (`tccc-llm`), at the lowest priority (SCHED_IDLE,
//! or nice 19 where refused), fed by two preallocated single-producer rings: requests in
//! (draft a handover, read an utterance again), replies out.
//!
//! - **Never blocks the producer:** a full request ring refuses the request and counts a
//!   drop (`status`: `llm ... dropped`).
//! - **Preemptible between tokens:** before each token the thread looks at the watchdog's
//!   stage knobs (`llm` off when hot: it stops and replies [`Outcome::Paused`]), at a
//!   cancel of the running request ([`Outcome::Cancelled`]) and at the next request in the
//!   ring: a newer handover request supersedes the running one ([`Outcome::Superseded`]);
//!   every other request waits its turn (each reader request reads its own utterance).
//! - **Never beside the recogniser:** between tokens the thread waits while a recogniser
//!   of the process transcribes a segment (`live::recognising`); SCHED_IDLE alone let it
//!   slow the recogniser (shared cache, memory bandwidth, the task group's share).
//! - **No allocation after warm-up:** requests and replies are fixed-size (`heapless`), the
//!   runtime's buffers are sized at load, the reader's grammar is rebuilt in place
//!   (tests/llm_worker_no_alloc.rs counts the thread's allocations with the project's
//!   allocation guard, role `Llm`).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::limits::{
    LLM_REPLIES_MAX, LLM_REPLY_BYTES_MAX, LLM_REQUESTS_MAX, LLM_WORKER_PROMPT_BYTES_MAX,
};
use crate::watchdog::knobs::SharedKnobs;

use super::checked::{Generate, UseError};
use super::handover::Prose;
use super::reader::ProposalGrammar;
use super::{ChatFormat, Constraint, Llm, Stop};

/// Loads the language model at `path` and starts its own thread (`worker`) at the lowest
/// priority; `knobs` are the watchdog's (the thread pauses when they turn the model off,
/// and lets the model go in critical heat, loading it from `path` again when it cools).
pub fn open(
    path: &std::path::Path,
    knobs: Option<std::sync::Arc<crate::watchdog::knobs::SharedKnobs>>,
) -> Result<LlmWorker, UseError> {
    if !path.is_file() {
        return Err(UseError::NoModel(format!(
            "{} is not a file (run models/fetch)",
            path.display()
        )));
    }
    let llm = super::Llm::load(path).map_err(|e| UseError::NoModel(e.to_string()))?;
    let reload = knobs.as_ref().map(|_| path.to_path_buf());
    LlmWorker::start_from(llm, knobs, reload)
}

/// What each product helper of the model's thread runs first: the lowest priority, and
/// the allocation role `Llm` (its allocations count with the thread's).
pub fn background_helper_start() {
    let _ = crate::sys::realtime::make_current_thread_lowest();
    crate::sys::alloc_guard::set_thread_role(crate::sys::alloc_guard::ThreadRole::Llm);
}

/// What a request asks the model to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// A handover paragraph (plain prose, `handover::Prose`).
    Handover,
    /// The reader's proposals for an utterance (JSON under `reader::ProposalGrammar`).
    Reader,
}

/// One request: fixed-size, moved through the ring.
#[derive(Debug)]
pub struct LlmRequest {
    pub id: u32,
    pub task: Task,
    pub max_tokens: usize,
    pub prompt: heapless::String<LLM_WORKER_PROMPT_BYTES_MAX>,
    /// The utterance the reader's spans must be copied from (empty for a handover).
    pub utterance: heapless::String<{ crate::limits::READER_UTTERANCE_BYTES_MAX }>,
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The model wrote its answer (`text`); why it stopped.
    Done(Stop),
    /// The watchdog paused the model (a hot state); nothing or part was written.
    Paused,
    /// A newer handover request came in.
    Superseded,
    /// The request was cancelled.
    Cancelled,
    /// The runtime failed; `text` says how.
    Failed,
}

/// One reply: fixed-size, moved through the ring.
#[derive(Debug)]
pub struct LlmReply {
    pub id: u32,
    pub outcome: Outcome,
    /// The answer (or the failure's message), cut at `LLM_REPLY_BYTES_MAX`.
    pub text: heapless::String<LLM_REPLY_BYTES_MAX>,
}

/// Counters of the thread, for `status`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerStatus {
    /// Requests accepted into the ring.
    pub submitted: u64,
    /// Requests refused because the ring was full (never waited for).
    pub dropped: u64,
    /// Requests answered in full.
    pub completed: u64,
    /// Requests stopped because the watchdog paused the model.
    pub paused: u64,
    /// Requests superseded or cancelled.
    pub preempted: u64,
    /// Replies lost because the reply ring was full.
    pub replies_dropped: u64,
    /// The priority the thread got: 2 SCHED_IDLE, 1 nice 19, 0 normal (both refused).
    pub priority: u64,
    /// Tokens written by finished or stopped requests (`tccc bench asr-llm` counts them).
    pub tokens: u64,
    /// Forward passes started so far (prompt chunks and tokens; counted live, between
    /// tokens, so a client can see the model is running).
    pub steps: u64,
}

#[derive(Debug, Default)]
struct Shared {
    stop: AtomicBool,
    cancel: AtomicU32,
    submitted: AtomicU64,
    dropped: AtomicU64,
    completed: AtomicU64,
    paused: AtomicU64,
    preempted: AtomicU64,
    replies_dropped: AtomicU64,
    priority: AtomicU64,
    tokens: AtomicU64,
    steps: AtomicU64,
}

/// Why a request was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("the language model's request queue is full (request dropped); ask again")]
    Full,
    #[error("the prompt is too long for the language model's thread")]
    TooLong,
    #[error("the language model's thread has stopped")]
    Gone,
}

/// The client side of the model's thread: owns the request producer and reply consumer.
/// Dropping it stops and joins the thread.
#[derive(Debug)]
pub struct LlmWorker {
    requests: rtrb::Producer<LlmRequest>,
    replies: rtrb::Consumer<LlmReply>,
    /// Replies taken out of order by a blocking call, handed out by [`LlmWorker::try_reply`].
    stash: Vec<LlmReply>,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    next_id: u32,
    /// The chat layout of the model on the thread (a reload is the same file).
    chat_format: ChatFormat,
}

/// How long the idle thread parks before looking at the ring again (a push unparks it).
const PARK: Duration = Duration::from_millis(20);
/// How often a blocking call looks for its reply.
const POLL: Duration = Duration::from_millis(2);
/// How often the thread, waiting between tokens, looks whether the recogniser is done.
const YIELD_POLL: Duration = Duration::from_millis(2);

impl LlmWorker {
    /// Starts the thread with a loaded model; it warms the model up, lowers its own
    /// priority and waits for requests. `knobs` are the watchdog's (none: never paused).
    pub fn start(llm: Llm, knobs: Option<Arc<SharedKnobs>>) -> Result<LlmWorker, UseError> {
        LlmWorker::start_from(llm, knobs, None)
    }

    /// As [`LlmWorker::start`]; with the watchdog's knobs and the model's file, the thread
    /// also holds the model as a larger model the watchdog may have unloaded in critical
    /// heat ([`crate::watchdog::residency`]): dropped while `large_models` is off (requests
    /// are answered "paused"), loaded from `reload` and warmed up again when it cools.
    pub fn start_from(
        llm: Llm,
        knobs: Option<Arc<SharedKnobs>>,
        reload: Option<std::path::PathBuf>,
    ) -> Result<LlmWorker, UseError> {
        let chat_format = llm.chat_format();
        let (requests, request_rx) = rtrb::RingBuffer::new(LLM_REQUESTS_MAX);
        let (reply_tx, replies) = rtrb::RingBuffer::new(LLM_REPLIES_MAX);
        let shared = Arc::new(Shared::default());
        let (ready_tx, ready_rx) = std::sync::mpsc::sync_channel(1);
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("tccc-llm".to_owned())
                .spawn(move || {
                    let priority = crate::sys::realtime::make_current_thread_lowest();
                    shared
                        .priority
                        .store(priority as u8 as u64, Ordering::Relaxed);
                    let mut llm = llm;
                    let warm = llm.warm_up().map_err(|e| e.to_string());
                    let held = match (warm.is_ok(), &knobs, reload) {
                        (true, Some(knobs), Some(path)) => held_by_watchdog(llm, knobs, path),
                        _ => Held::Fixed(llm),
                    };
                    let mut thread = Thread::new(held, request_rx, reply_tx, knobs, &shared);
                    let ok = warm.is_ok();
                    let _ = ready_tx.send(warm);
                    if ok {
                        crate::sys::alloc_guard::set_thread_role(
                            crate::sys::alloc_guard::ThreadRole::Llm,
                        );
                        thread.run();
                    }
                })
                .map_err(|e| UseError::NoModel(format!("cannot start its thread: {e}")))?
        };
        match ready_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(UseError::NoModel(format!("warm-up failed: {error}"))),
            Err(_) => return Err(UseError::NoModel("its thread died at start".to_owned())),
        }
        Ok(LlmWorker {
            requests,
            replies,
            stash: Vec::with_capacity(LLM_REPLIES_MAX),
            shared,
            thread: Some(thread),
            next_id: 1,
            chat_format,
        })
    }

    /// Queues a request without waiting; returns its id. A full ring refuses it and counts
    /// a drop.
    pub fn submit(
        &mut self,
        task: Task,
        prompt: &str,
        utterance: &str,
        max_tokens: usize,
    ) -> Result<u32, SubmitError> {
        let Some(thread) = self.thread.as_ref().filter(|t| !t.is_finished()) else {
            return Err(SubmitError::Gone);
        };
        let mut request = LlmRequest {
            id: self.next_id,
            task,
            max_tokens,
            prompt: heapless::String::new(),
            utterance: heapless::String::new(),
        };
        request
            .prompt
            .push_str(prompt)
            .map_err(|_| SubmitError::TooLong)?;
        request
            .utterance
            .push_str(utterance)
            .map_err(|_| SubmitError::TooLong)?;
        match self.requests.push(request) {
            Ok(()) => {
                let id = self.next_id;
                self.next_id = self.next_id.wrapping_add(1).max(1);
                self.shared.submitted.fetch_add(1, Ordering::Relaxed);
                thread.thread().unpark();
                Ok(id)
            }
            Err(rtrb::PushError::Full(_)) => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                Err(SubmitError::Full)
            }
        }
    }

    /// Stops request `id` at its next token (it replies [`Outcome::Cancelled`]).
    pub fn cancel(&self, id: u32) {
        self.shared.cancel.store(id, Ordering::Release);
    }

    /// The next reply, if one came.
    pub fn try_reply(&mut self) -> Option<LlmReply> {
        if !self.stash.is_empty() {
            return Some(self.stash.remove(0));
        }
        self.replies.pop().ok()
    }

    /// Queues a request and waits for its reply (other replies are kept for
    /// [`LlmWorker::try_reply`]). For the offline commands and the reader.
    pub fn run_blocking(
        &mut self,
        task: Task,
        prompt: &str,
        utterance: &str,
        max_tokens: usize,
    ) -> Result<LlmReply, SubmitError> {
        let id = self.submit(task, prompt, utterance, max_tokens)?;
        loop {
            match self.replies.pop() {
                Ok(reply) if reply.id == id => return Ok(reply),
                Ok(other) => self.stash.push(other),
                Err(_) => {
                    if self.thread.as_ref().is_none_or(JoinHandle::is_finished) {
                        return Err(SubmitError::Gone);
                    }
                    std::thread::sleep(POLL);
                }
            }
        }
    }

    /// The chat layout of the model on the thread: prompts submitted are written in it.
    pub fn chat_format(&self) -> ChatFormat {
        self.chat_format
    }

    /// A [`Generate`] that runs each generation on the thread as `task` and waits for it
    /// (the checked uses, `handover::draft` and `reader::read_missed`, take one).
    pub fn generator<'a>(&'a mut self, task: Task, utterance: &'a str) -> Via<'a> {
        Via {
            worker: self,
            task,
            utterance,
        }
    }

    /// The thread's counters.
    pub fn status(&self) -> WorkerStatus {
        let s = &self.shared;
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        WorkerStatus {
            submitted: load(&s.submitted),
            dropped: load(&s.dropped),
            completed: load(&s.completed),
            paused: load(&s.paused),
            preempted: load(&s.preempted),
            replies_dropped: load(&s.replies_dropped),
            priority: load(&s.priority),
            tokens: load(&s.tokens),
            steps: load(&s.steps),
        }
    }
}

impl Drop for LlmWorker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// Runs generations on the thread as one task, waiting for each (see
/// [`LlmWorker::generator`]). The constraint the caller passes is the task's own
/// (`Prose` for a handover, the utterance's grammar for the reader), rebuilt on the thread.
pub struct Via<'a> {
    worker: &'a mut LlmWorker,
    task: Task,
    utterance: &'a str,
}

impl Generate for Via<'_> {
    fn generate(
        &mut self,
        prompt: &str,
        _constraint: &dyn Constraint,
        max_tokens: usize,
        out: &mut String,
    ) -> Result<(), UseError> {
        let reply = self
            .worker
            .run_blocking(self.task, prompt, self.utterance, max_tokens)
            .map_err(|e| UseError::Generation(e.to_string()))?;
        reply_text(&reply, out)
    }

    fn chat_format(&self) -> ChatFormat {
        self.worker.chat_format
    }
}

/// The answer of a reply, or why there is none.
pub fn reply_text(reply: &LlmReply, out: &mut String) -> Result<(), UseError> {
    match reply.outcome {
        Outcome::Done(_) => {
            out.push_str(&reply.text);
            Ok(())
        }
        Outcome::Paused => Err(UseError::Generation(
            "paused: the watchdog stopped the language model (hot); ask again when it cools"
                .to_owned(),
        )),
        Outcome::Superseded => Err(UseError::Generation(
            "superseded by a newer request".to_owned(),
        )),
        Outcome::Cancelled => Err(UseError::Generation("cancelled".to_owned())),
        Outcome::Failed => Err(UseError::Generation(reply.text.to_string())),
    }
}

/// Why the running request stopped early (set by the between-tokens check).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Interrupt {
    None,
    Paused,
    Superseded,
    Cancelled,
}

/// The model as the thread holds it.
enum Held {
    /// Always loaded (no watchdog, or no file to load it from again).
    Fixed(Llm),
    /// Unloaded in critical heat, loaded again when it cools.
    Watched(crate::watchdog::residency::Unloadable<Llm>),
    /// Lost and not loadable again (why): every request fails with it.
    Missing(String),
}

impl Held {
    /// The model, after obeying the watchdog's `large_models` knob; `None` while unloaded.
    fn get(&mut self) -> Option<&mut Llm> {
        match self {
            Held::Fixed(llm) => Some(llm),
            Held::Watched(model) => model.get(),
            Held::Missing(_) => None,
        }
    }

    /// Obeys the knob without using the model (an idle thread still lets go in the heat).
    fn follow(&mut self) {
        if let Held::Watched(model) = self {
            if let crate::watchdog::residency::Residence::ReloadFailed(error) = model.follow() {
                log::warn!("the language model could not be loaded again after the heat: {error}");
            }
        }
    }
}

/// Registers the loaded, warmed-up `llm` with the watchdog as a larger model that it may
/// unload; its loader reads `path` again and warms the model up. Falls back to a fixed
/// model (never unloaded) when the watchdog's table is full.
fn held_by_watchdog(llm: Llm, knobs: &Arc<SharedKnobs>, path: std::path::PathBuf) -> Held {
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let again = path.clone();
    // Critical already at start: let the model go now; it is read again when it cools.
    let mut first = knobs.load().large_models.then_some(llm);
    let loader: crate::watchdog::residency::Loader<Llm> = Box::new(move || match first.take() {
        Some(llm) => Ok(llm),
        None => load_warm(&path).map_err(|e| e.to_string()),
    });
    match crate::watchdog::residency::Unloadable::new("llm", bytes, Arc::clone(knobs), loader) {
        Ok(model) => Held::Watched(model),
        Err(error) => {
            // The watchdog's table is full (the first load only hands back the model it
            // was given, and the table dropped it): load it again and keep it for good.
            log::warn!("the language model is not registered with the watchdog: {error}");
            match load_warm(&again) {
                Ok(llm) => Held::Fixed(llm),
                Err(error) => Held::Missing(error.to_string()),
            }
        }
    }
}

/// Loads the model at `path` and warms it up (its buffers touched, the weights paged in):
/// what the watchdog's loader runs when the heat is over, and the fallback when the
/// watchdog cannot hold the model.
fn load_warm(path: &std::path::Path) -> Result<Llm, super::LlmError> {
    let mut llm = Llm::load(path)?;
    llm.warm_up()?;
    Ok(llm)
}

/// The thread's side.
struct Thread<'a> {
    llm: Held,
    requests: rtrb::Consumer<LlmRequest>,
    replies: rtrb::Producer<LlmReply>,
    knobs: Option<Arc<SharedKnobs>>,
    shared: &'a Shared,
    grammar: ProposalGrammar,
    answer: String,
}

impl<'a> Thread<'a> {
    fn new(
        llm: Held,
        requests: rtrb::Consumer<LlmRequest>,
        replies: rtrb::Producer<LlmReply>,
        knobs: Option<Arc<SharedKnobs>>,
        shared: &'a Shared,
    ) -> Self {
        Thread {
            llm,
            requests,
            replies,
            knobs,
            shared,
            grammar: ProposalGrammar::new(""),
            answer: String::with_capacity(LLM_REPLY_BYTES_MAX * 2),
        }
    }

    fn paused(&self) -> bool {
        self.knobs.as_ref().is_some_and(|k| !k.load().llm)
    }

    fn run(&mut self) {
        while !self.shared.stop.load(Ordering::Acquire) {
            match self.requests.pop() {
                Ok(request) => self.serve(&request),
                Err(_) => {
                    self.llm.follow();
                    std::thread::park_timeout(PARK);
                }
            }
        }
    }

    fn serve(&mut self, request: &LlmRequest) {
        let mut reply = LlmReply {
            id: request.id,
            outcome: Outcome::Paused,
            text: heapless::String::new(),
        };
        if self.paused() {
            self.shared.paused.fetch_add(1, Ordering::Relaxed);
            self.send(reply);
            return;
        }
        if let Held::Missing(why) = &self.llm {
            use std::fmt::Write;
            let _ = write!(reply.text, "the language model is not loaded: {why}");
            reply.outcome = Outcome::Failed;
            self.send(reply);
            return;
        }
        let Some(llm) = self.llm.get() else {
            // Unloaded in critical heat (the knob that pauses it is off too then), or
            // loading it again failed: a logged warning, tried again at the next request.
            self.shared.paused.fetch_add(1, Ordering::Relaxed);
            self.send(reply);
            return;
        };
        self.answer.clear();
        let constraint: &dyn Constraint = match request.task {
            Task::Handover => &Prose,
            Task::Reader => {
                self.grammar.reset(&request.utterance);
                &self.grammar
            }
        };
        let mut interrupt = Interrupt::None;
        let knobs = self.knobs.as_deref();
        let requests = &self.requests;
        let shared = self.shared;
        let mut check = || {
            shared.steps.fetch_add(1, Ordering::Relaxed);
            // Never beside the recogniser: wait while it transcribes a segment (a cancel,
            // a pause or a stop still ends the wait).
            while crate::live::recognising()
                && !shared.stop.load(Ordering::Acquire)
                && shared.cancel.load(Ordering::Acquire) != request.id
                && knobs.is_none_or(|k| k.load().llm)
            {
                std::thread::sleep(YIELD_POLL);
            }
            interrupt = if knobs.is_some_and(|k| !k.load().llm) {
                Interrupt::Paused
            } else if shared.cancel.load(Ordering::Acquire) == request.id {
                Interrupt::Cancelled
            } else if request.task == Task::Handover
                && requests
                    .peek()
                    .is_ok_and(|next| next.task == Task::Handover)
            {
                Interrupt::Superseded
            } else {
                Interrupt::None
            };
            interrupt != Interrupt::None
        };
        let result = llm.generate_until(
            &request.prompt,
            constraint,
            request.max_tokens,
            &mut self.answer,
            &mut check,
        );
        if let Ok(stats) = &result {
            let written = stats.generated_tokens as u64;
            self.shared.tokens.fetch_add(written, Ordering::Relaxed);
        }
        reply.outcome = match (result, interrupt) {
            (Err(error), _) => {
                use std::fmt::Write;
                let _ = write!(reply.text, "{error}");
                Outcome::Failed
            }
            (Ok(_), Interrupt::Paused) => {
                self.shared.paused.fetch_add(1, Ordering::Relaxed);
                Outcome::Paused
            }
            (Ok(_), Interrupt::Superseded) => {
                self.shared.preempted.fetch_add(1, Ordering::Relaxed);
                Outcome::Superseded
            }
            (Ok(_), Interrupt::Cancelled) => {
                self.shared.preempted.fetch_add(1, Ordering::Relaxed);
                Outcome::Cancelled
            }
            (Ok(stats), Interrupt::None) => {
                self.shared.completed.fetch_add(1, Ordering::Relaxed);
                let mut end = self.answer.len().min(LLM_REPLY_BYTES_MAX);
                while !self.answer.is_char_boundary(end) {
                    end -= 1;
                }
                let _ = reply.text.push_str(&self.answer[..end]);
                Outcome::Done(stats.stop)
            }
        };
        self.send(reply);
    }

    fn send(&mut self, reply: LlmReply) {
        if self.replies.push(reply).is_err() {
            self.shared.replies_dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_request_ring_counts_a_drop_and_never_waits() {
        // A client over rings whose thread never takes a request (it only waits for stop).
        let (requests, _held) = rtrb::RingBuffer::<LlmRequest>::new(LLM_REQUESTS_MAX);
        let (_reply_tx, replies) = rtrb::RingBuffer::<LlmReply>::new(LLM_REPLIES_MAX);
        let shared = Arc::new(Shared::default());
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                while !shared.stop.load(Ordering::Acquire) {
                    std::thread::park_timeout(PARK);
                }
            })
        };
        let mut worker = LlmWorker {
            requests,
            replies,
            stash: Vec::new(),
            shared,
            thread: Some(thread),
            next_id: 1,
            chat_format: ChatFormat::ChatMl,
        };
        for n in 1..=LLM_REQUESTS_MAX {
            assert_eq!(worker.submit(Task::Handover, "p", "", 4), Ok(n as u32));
        }
        assert_eq!(
            worker.submit(Task::Reader, "p", "u", 4),
            Err(SubmitError::Full)
        );
        let long = "x".repeat(LLM_WORKER_PROMPT_BYTES_MAX + 1);
        assert_eq!(
            worker.submit(Task::Handover, &long, "", 4),
            Err(SubmitError::TooLong)
        );
        let status = worker.status();
        assert_eq!(
            (status.submitted, status.dropped),
            (LLM_REQUESTS_MAX as u64, 1)
        );
        assert!(worker.try_reply().is_none());
    }

    #[test]
    fn reply_text_says_paused_instead_of_a_draft() {
        let mut reply = LlmReply {
            id: 1,
            outcome: Outcome::Paused,
            text: heapless::String::new(),
        };
        let mut out = String::new();
        let error = reply_text(&reply, &mut out).unwrap_err();
        assert!(error.to_string().contains("paused"), "{error}");
        assert!(out.is_empty());
        reply.outcome = Outcome::Done(Stop::End);
        let _ = reply.text.push_str("Casualty 1 has a tourniquet.");
        reply_text(&reply, &mut out).unwrap();
        assert_eq!(out, "Casualty 1 has a tourniquet.");
    }
}
