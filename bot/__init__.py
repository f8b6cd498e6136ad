"""numberbot: run a team's pool of virtual phone numbers from Slack."""
