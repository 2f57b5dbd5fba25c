//! The route x role x marking x post x SBU matrix.
