"""Cases: conversations (one card per thread), incidents (one card per problem) and spike alerts.

The rules that decide what belongs together live here, free of Slack and SQL: `similarity`
says whether two reports describe the same problem, `placer` puts each new mention into its
conversation or incident, `spikes` decides when negative volume is a spike.
"""
