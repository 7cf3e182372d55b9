//! wizard_e2e
