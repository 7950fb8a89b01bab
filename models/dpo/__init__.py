"""The data-protection officer's view (DESIGN.md rule 12): the installation's privacy
figures and its two documents, the record of processing activities (GDPR art. 30) and
a DPIA draft (art. 35). Counts, names of administrators and processors; never a child.

- figures: what the audit log says about a period (exports, purges, archive packages,
  administrators' reads, rectifications, unusual logins, the last chain check);
- units: protected children and photo-consent coverage per unit, as counts;
- processors: the channels and processors this installation is configured with;
- documents, dpia: the texts of the two documents.
"""
