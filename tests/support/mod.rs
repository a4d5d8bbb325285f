#![allow(dead_code, unreachable_pub)]
pub mod fault_server;
