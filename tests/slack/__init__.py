"""Slack's side of the end-to-end tests.

`standin.SlackStandIn` answers the bot's Web API calls the way Slack does and records them;
`driver.SlackDriver` sends the bot Slack-signed requests in Slack's payload shapes;
`state.V` builds the `view.state.values` a user's input produces. Import from the modules
themselves; this package re-exports nothing.
"""
