//! What can go wrong reaching an interpreter, as opposed to in the code it runs (which comes
//! back as a result with `isError`).

/// A call that could not be made, or whose answer was lost.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InterpreterError {
    /// The `[interpreters.NAME]` table cannot be used as it is.
    #[error("interpreter {interpreter}: {problem}")]
    BadSettings {
        /// The interpreter.
        interpreter: String,
        /// What is wrong and what to write instead.
        problem: String,
    },
    /// Nothing answered at the address.
    #[error(
        "interpreter {interpreter} cannot be reached at {location}: {reason}. Check that it is running and that the address is right (`agentdesk interpreters list` shows it)"
    )]
    Unreachable {
        /// The interpreter.
        interpreter: String,
        /// The address called.
        location: String,
        /// What the connection said.
        reason: String,
    },
    /// The call took longer than the interpreter's `timeout_seconds`.
    #[error(
        "interpreter {interpreter} did not answer within {seconds} s; the call may still be running there. Raise timeout_seconds in [interpreters.{interpreter}] for longer calls"
    )]
    Timeout {
        /// The interpreter.
        interpreter: String,
        /// The timeout.
        seconds: u64,
    },
    /// No credentials to sign or authorise the call.
    #[error("interpreter {interpreter}: {problem}")]
    NoCredentials {
        /// The interpreter.
        interpreter: String,
        /// What is missing and how to provide it.
        problem: String,
    },
    /// The interpreter refused the caller.
    #[error(
        "interpreter {interpreter} refused access: {message}. Check the AWS credentials' permissions (bedrock-agentcore:*CodeInterpreter*) or the sign-in of auth"
    )]
    AccessDenied {
        /// The interpreter.
        interpreter: String,
        /// The server's message.
        message: String,
    },
    /// The session is no longer running (stopped, timed out); its state is gone.
    #[error("interpreter {interpreter}: session {session} has ended: {message}")]
    SessionEnded {
        /// The interpreter.
        interpreter: String,
        /// The session.
        session: String,
        /// The server's message.
        message: String,
    },
    /// The interpreter (its identifier) does not exist there.
    #[error(
        "interpreter {interpreter}: {message}. Check identifier in [interpreters.{interpreter}]"
    )]
    NotFound {
        /// The interpreter.
        interpreter: String,
        /// The server's message.
        message: String,
    },
    /// The interpreter refused the request (bad input, a quota, its own failure).
    #[error("interpreter {interpreter} refused the call ({error_type}): {message}")]
    Refused {
        /// The interpreter.
        interpreter: String,
        /// The error's type (`ValidationException`, `ServiceQuotaExceededException`, …).
        error_type: String,
        /// The server's message.
        message: String,
    },
    /// The local sandbox could not run the call.
    #[error("the local Python sandbox: {0}")]
    Sandbox(String),
}

impl InterpreterError {
    /// A stable code for the UI: `bad_settings`, `unreachable`, `timeout`, `no_credentials`,
    /// `access_denied`, `session_ended`, `not_found`, `refused` or `sandbox`.
    pub fn code(&self) -> &'static str {
        match self {
            InterpreterError::BadSettings { .. } => "bad_settings",
            InterpreterError::Unreachable { .. } => "unreachable",
            InterpreterError::Timeout { .. } => "timeout",
            InterpreterError::NoCredentials { .. } => "no_credentials",
            InterpreterError::AccessDenied { .. } => "access_denied",
            InterpreterError::SessionEnded { .. } => "session_ended",
            InterpreterError::NotFound { .. } => "not_found",
            InterpreterError::Refused { .. } => "refused",
            InterpreterError::Sandbox(_) => "sandbox",
        }
    }

    /// Whether the interpreter could not be reached at all, so nothing ran there and running
    /// the call elsewhere (the local sandbox, when the user allows it) is safe.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            InterpreterError::Unreachable { .. } | InterpreterError::NoCredentials { .. }
        )
    }

    /// Whether the call may have run although it failed: it timed out, or its answer broke
    /// off or could not be read. Such a call is never run again.
    pub fn may_have_run(&self) -> bool {
        match self {
            InterpreterError::Timeout { .. } => true,
            InterpreterError::Refused { error_type, .. } => {
                [BROKEN_ANSWER, EMPTY_ANSWER].contains(&error_type.as_str())
            }
            _ => false,
        }
    }
}

/// The error type of a refusal whose answer could not be read.
pub(crate) const BROKEN_ANSWER: &str = "ResponseError";

/// The error type of a refusal whose answer stream ended without a result.
pub(crate) const EMPTY_ANSWER: &str = "EmptyStream";

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(error_type: &str) -> InterpreterError {
        InterpreterError::Refused {
            interpreter: "remote".into(),
            error_type: error_type.into(),
            message: "(message)".into(),
        }
    }

    #[test]
    fn a_call_whose_answer_broke_off_may_have_run_and_a_refused_one_did_not() {
        assert!(refused(BROKEN_ANSWER).may_have_run());
        assert!(refused(EMPTY_ANSWER).may_have_run());
        assert!(
            InterpreterError::Timeout { interpreter: "remote".into(), seconds: 30 }.may_have_run()
        );
        assert!(!refused("ValidationException").may_have_run());
        assert!(!refused("ServiceQuotaExceededException").may_have_run());
    }
}
