//! The report kinds tollgate reads, named as `--report-kind` takes them, and the cloud
//! each comes from. How each kind is parsed is the report stage's business.

use serde::{Deserialize, Serialize};

use super::{Provider, ResourceKind};

/// The report kinds tollgate reads; the names are what `--report-kind` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ReportKind {
    /// Huawei Cloud COC `GET /v1/patch/instance/compliant`.
    #[serde(rename = "huawei.coc.patch_compliance")]
    CocPatch,
    /// Huawei Cloud COC `GET /v1/patch/instance/compliant/{id}`.
    #[serde(rename = "huawei.coc.patch_items")]
    CocItems,
    /// Huawei Cloud Config `GET /v1/resource-manager/domains/{domain_id}/policy-states/summary`.
    #[serde(rename = "huawei.config.policy_states_summary")]
    ConfigStates,
    /// Alibaba Cloud OOS `ListInstancePatchStates`.
    #[serde(rename = "alibaba.oos.instance_patch_states")]
    OosPatch,
    /// Alibaba Cloud Config `GetCompliancePackReport`.
    #[serde(rename = "alibaba.config.compliance_pack_report")]
    ConfigPack,
    /// OCSF finding events (Detection Finding 2004, Compliance Finding 2003), as a scanner
    /// such as Prowler writes them.
    #[serde(rename = "ocsf.findings")]
    OcsfFindings,
}

impl ReportKind {
    /// Every kind, in documentation order.
    pub const ALL: [ReportKind; 6] = [
        ReportKind::CocPatch,
        ReportKind::CocItems,
        ReportKind::ConfigStates,
        ReportKind::OosPatch,
        ReportKind::ConfigPack,
        ReportKind::OcsfFindings,
    ];

    /// The report kind id (`huawei.coc.patch_compliance`, ...).
    pub fn id(self) -> &'static str {
        match self {
            ReportKind::CocPatch => "huawei.coc.patch_compliance",
            ReportKind::CocItems => "huawei.coc.patch_items",
            ReportKind::ConfigStates => "huawei.config.policy_states_summary",
            ReportKind::OosPatch => "alibaba.oos.instance_patch_states",
            ReportKind::ConfigPack => "alibaba.config.compliance_pack_report",
            ReportKind::OcsfFindings => "ocsf.findings",
        }
    }

    /// Every kind of resource a report of this kind may hold: the record's kind first, then
    /// the rows of the compliance-pack spreadsheet a live source downloads.
    pub fn resource_kinds(self) -> &'static [ResourceKind] {
        match self {
            ReportKind::CocPatch | ReportKind::OosPatch => &[ResourceKind::PatchNode],
            ReportKind::CocItems => &[ResourceKind::PatchItem],
            ReportKind::ConfigStates => &[ResourceKind::ConfigRule],
            ReportKind::ConfigPack => &[ResourceKind::CompliancePack, ResourceKind::PackResult],
            ReportKind::OcsfFindings => &[ResourceKind::ScanFinding],
        }
    }

    /// The kind of resource each record becomes.
    pub fn resource_kind(self) -> ResourceKind {
        match self {
            ReportKind::CocPatch | ReportKind::OosPatch => ResourceKind::PatchNode,
            ReportKind::CocItems => ResourceKind::PatchItem,
            ReportKind::ConfigStates => ResourceKind::ConfigRule,
            ReportKind::ConfigPack => ResourceKind::CompliancePack,
            ReportKind::OcsfFindings => ResourceKind::ScanFinding,
        }
    }

    /// The cloud the report comes from; none for a scan, whose events each name theirs.
    pub fn provider(self) -> Option<Provider> {
        match self {
            ReportKind::CocPatch | ReportKind::CocItems | ReportKind::ConfigStates => {
                Some(Provider::Huawei)
            }
            ReportKind::OosPatch | ReportKind::ConfigPack => Some(Provider::Alibaba),
            ReportKind::OcsfFindings => None,
        }
    }

    /// The name of [`ReportKind::provider`], as policies and outputs show it (none for a scan).
    pub fn provider_name(self) -> Option<&'static str> {
        self.provider().map(Provider::as_str)
    }

    /// Is this a vendor API's response, which a live source can fetch (rather than a
    /// scanner's output, read from files only)?
    pub fn is_vendor_api(self) -> bool {
        self.provider().is_some()
    }

    /// The vendor API whose response this is, for messages.
    pub fn api(self) -> &'static str {
        match self {
            ReportKind::CocPatch => "Huawei COC GET /v1/patch/instance/compliant",
            ReportKind::CocItems => "Huawei COC GET /v1/patch/instance/compliant/{id}",
            ReportKind::ConfigStates => {
                "Huawei Config GET /v1/resource-manager/domains/{domain_id}/policy-states/summary"
            }
            ReportKind::OosPatch => "Alibaba OOS ListInstancePatchStates",
            ReportKind::ConfigPack => "Alibaba Config GetCompliancePackReport",
            ReportKind::OcsfFindings => "OCSF finding events (class 2004 or 2003)",
        }
    }
}

impl std::str::FromStr for ReportKind {
    type Err = String;

    /// A kind by its id (`huawei.coc.patch_compliance`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.id() == s).ok_or_else(|| {
            let ids: Vec<&str> = Self::ALL.iter().map(|k| k.id()).collect();
            format!("{s:?} is not a report kind ({})", ids.join(", "))
        })
    }
}

impl std::fmt::Display for ReportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
