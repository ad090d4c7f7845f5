//! Projects and tasks through the API.
