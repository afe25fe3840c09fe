package archive

import (
	"strconv"

	"crm/l10n"
)

// writtenFacts is what the checks of a write against today and the
// policy (checkAgainstPolicy) read of a dossier's text, or of a part of
// one (a hand-in): its contact records, and the class its credit survey
// writes, its score and its credit limit. Each text is decoded once for
// all of them; the node tree, for an error's line, only on an error.
type writtenFacts struct {
	Contacts     []Contact `yaml:"contacts"`
	CreditSurvey struct {
		Class       string  `yaml:"class"`
		Score       *int    `yaml:"score"`
		CreditLimit float64 `yaml:"credit_limit"`
	} `yaml:"credit_survey"`
}

// factsOf decodes text's writtenFacts.
func factsOf(text []byte) (*writtenFacts, error) { return factsOfDoc(&dossierDoc{text: text}) }

// factsOfDoc decodes the writtenFacts of a text already read (readDoc).
func factsOfDoc(doc *dossierDoc) (*writtenFacts, error) {
	var f writtenFacts
	if err := doc.decode(&f); err != nil {
		return nil, err
	}
	return &f, nil
}

// checkCreditLimit refuses a dossier text about to be written (newText,
// of facts nf; of is the facts of the text it replaces, nil for a new
// dossier or one that does not decode) whose credit
// survey grants more credit (credit_survey.credit_limit, 赊销额度) than the
// policy's limit for the customer's credit class (R8: each class has a
// credit limit set in policy; D, a dangerous customer, gets none). The
// class is the one the dossier is listed with: override, the journal's
// (dossier.credit), else the survey's own class, else its score's. A text
// whose limit and class are as before is left to the edit that changes
// them, as a class changed by the journal alone is.
func (a *Archive) checkCreditLimit(override string, of, nf *writtenFacts, newText []byte) error {
	ns := nf.CreditSurvey
	class, _ := a.Policy.CreditClassOf(override, ns.Class, ns.Score)
	if class == "" {
		return nil
	}
	t, ok := a.Policy.CreditTermsOf(class)
	if !ok || ns.CreditLimit <= t.Limit {
		return nil
	}
	if of != nil {
		ocs := of.CreditSurvey
		if oc, _ := a.Policy.CreditClassOf(override, ocs.Class, ocs.Score); oc == class && ocs.CreditLimit == ns.CreditLimit {
			return nil
		}
	}
	var line int
	if top, err := dossierNode(newText); err == nil {
		line = lineOf(top, "credit_survey.credit_limit")
	}
	amount := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	return &ValidationError{[]*FieldError{{Path: "credit_survey.credit_limit", Line: line,
		Msg: l10n.Sprintf("%s is above the limit of credit class %s (%s, policy credit.classes, R8): lower it, or have the class reviewed first", amount(ns.CreditLimit), class, amount(t.Limit))}}}
}
