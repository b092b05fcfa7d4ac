//! Unit tests for decision trees and forests built from hand-made object graphs.

use super::*;
