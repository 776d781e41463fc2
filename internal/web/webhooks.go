package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Webhooks: programme administrators and managers manage every subscription
// (global or for one organisation); customer administrators their own
// organisation's; auditors read them all. Secrets are shown once, on the
// page that follows creating or rotating one.

func webhookHref(s *itsm.WebhookSubscription) string {
	return "/webhooks/" + strconv.FormatInt(s.ID, 10)
}

func canReadWebhooks(a *itsm.Actor) error {
	if !a.CanReadWebhooks() {
		return forbidden("Only administrators, managers and customer administrators can manage webhooks.")
	}
	return nil
}

func canManageWebhooks(a *itsm.Actor) error {
	if !a.CanManageWebhooks() {
		return forbidden("Only administrators, managers and customer administrators can change webhooks.")
	}
	return nil
}

// webhookView is a subscription as the pages show it.
type webhookView struct{ *itsm.WebhookSubscription }

// ScopeLabel says whose events the subscription receives.
func (v webhookView) ScopeLabel() string {
	if v.OrgID == nil {
		return "Every organisation (global)"
	}
	return v.OrgName
}

// Href is the subscription's page.
func (v webhookView) Href() string { return webhookHref(v.WebhookSubscription) }

// Events lists the event types.
func (v webhookView) Events() string { return strings.Join(v.EventTypes, ", ") }

// webhookListPage lists subscriptions.
type webhookListPage struct {
	basePage
	Subscriptions []webhookView
	Pager         pager
	CanAdd        bool
}

// webhookList shows the subscriptions the viewer may see.
func (s *Server) webhookList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := itsm.ActorFromContext(ctx)
	if err := canReadWebhooks(a); err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	subs, total, err := s.svc.Webhooks.FindWebhooks(ctx, itsm.WebhookFilter{Offset: offset(pg), Limit: pageSize})
	if err != nil {
		return err
	}
	p := &webhookListPage{basePage: s.newPage(w, r, "Webhooks"), CanAdd: a.CanManageWebhooks()}
	for _, sub := range subs {
		p.Subscriptions = append(p.Subscriptions, webhookView{sub})
	}
	p.Wide = true
	p.Pager = newPager(q, "/webhooks", pg, total, len(subs), "subscriptions")
	p.setPaged("Webhooks", p.Pager)
	return s.render(w, http.StatusOK, "webhook_list", p)
}

// webhookFormPage adds or changes a subscription.
type webhookFormPage struct {
	basePage
	Action, CancelHref, SubmitLabel string
	Editing, ChooseOrg              bool
	Version                         int64
	URL, Description, OrgID         string
	Events                          checkboxGroup
	Active                          checkboxGroup
	Orgs                            []option
}

var webhookFields = []string{"organisation_id", "url", "description", "event_types", "active"}

func webhookEventOptions() []option { return integrationOptions(itsm.WebhookEventTypes) }

func (s *Server) webhookFormPage(w http.ResponseWriter, r *http.Request, title string) (*webhookFormPage, error) {
	a := itsm.ActorFromContext(r.Context())
	p := &webhookFormPage{basePage: s.newPage(w, r, title), ChooseOrg: a.WebhookScope() == 0}
	if p.ChooseOrg {
		orgs, err := s.customerOrgs(r)
		if err != nil {
			return nil, err
		}
		p.Orgs = append([]option{{"", "Every organisation (a global subscription)"}}, orgs[1:]...)
	}
	p.BackHref = "/webhooks"
	return p, nil
}

func (p *webhookFormPage) fill(url, description, org string, events []string, active bool) {
	p.URL, p.Description, p.OrgID = url, description, org
	p.Events = newCheckboxGroup(&p.basePage, "event_types", "Events", "Events of things still being built (changes, releases, documents) are sent once they exist.",
		webhookEventOptions(), events)
	var on []string
	if active {
		on = []string{"yes"}
	}
	p.Active = newCheckboxGroup(&p.basePage, "active", "Sending", "", []option{{"yes", "Send events to this receiver"}}, on)
}

// webhookNewForm shows the form for a new subscription.
func (s *Server) webhookNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := canManageWebhooks(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	p, err := s.webhookFormPage(w, r, "Add a webhook")
	if err != nil {
		return err
	}
	p.Action, p.CancelHref, p.SubmitLabel = "/webhooks/new", "/webhooks", "Add webhook"
	p.fill("https://", "", "", []string{"ticket.created", "ticket.resolved"}, true)
	return s.render(w, http.StatusOK, "webhook_form", p)
}

// webhookSecretPage shows a new secret, once.
type webhookSecretPage struct {
	basePage
	Subscription webhookView
	Secret       string
}

// webhookCreate stores the subscription and shows its secret once.
func (s *Server) webhookCreate(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := canManageWebhooks(itsm.ActorFromContext(ctx)); err != nil {
		return err
	}
	p, err := s.webhookFormPage(w, r, "Add a webhook")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	url, description, org, events := r.PostFormValue("url"), r.PostFormValue("description"), r.PostFormValue("organisation_id"), r.PostForm["event_types"]
	sub := &itsm.WebhookSubscription{URL: url, Description: description, EventTypes: events, Active: true}
	var v itsm.Validation
	if p.ChooseOrg {
		id, ok := optionalID(org, p.Orgs)
		v.Check(ok, "organisation_id", "Choose an organisation from the list, or every organisation.")
		sub.OrgID = id
	}
	check := *sub
	err = mergeErrors(v.Err(), check.Validate())
	if err == nil {
		err = s.svc.Webhooks.CreateWebhook(ctx, sub)
	}
	if formFailed(err) {
		p.Action, p.CancelHref, p.SubmitLabel = "/webhooks/new", "/webhooks", "Add webhook"
		p.fill(url, description, org, events, true)
		p.setErrors(err, webhookFields...)
		return s.render(w, formStatus(err), "webhook_form", p)
	} else if err != nil {
		return err
	}
	return s.showWebhookSecret(w, r, sub, "The webhook has been added")
}

func (s *Server) showWebhookSecret(w http.ResponseWriter, r *http.Request, sub *itsm.WebhookSubscription, title string) error {
	p := &webhookSecretPage{basePage: s.newPage(w, r, title), Subscription: webhookView{sub}, Secret: sub.Secret}
	p.BackHref = webhookHref(sub)
	return s.render(w, http.StatusOK, "webhook_secret", p)
}

// findWebhook reads the subscription named in the path (404 when not
// visible, 403 when the viewer may see no subscriptions at all).
func (s *Server) findWebhook(r *http.Request) (*itsm.WebhookSubscription, error) {
	if err := canReadWebhooks(itsm.ActorFromContext(r.Context())); err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.svc.Webhooks.FindWebhookByID(r.Context(), id)
}

func (s *Server) findWebhookToChange(r *http.Request) (*itsm.WebhookSubscription, error) {
	sub, err := s.findWebhook(r)
	if err != nil {
		return nil, err
	}
	return sub, canManageWebhooks(itsm.ActorFromContext(r.Context()))
}

// webhookDetailPage is a subscription, how to verify it, and its log.
type webhookDetailPage struct {
	basePage
	Subscription webhookView
	Deliveries   []*itsm.WebhookDelivery
	Pager        pager
	CanManage    bool
	ReplayWindow string
}

// webhookDetail shows a subscription and its deliveries.
func (s *Server) webhookDetail(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sub, err := s.findWebhook(r)
	if err != nil {
		return err
	}
	q := newListQuery(r.URL.Query())
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	ds, total, err := s.svc.Webhooks.FindWebhookDeliveries(ctx, sub.ID, offset(pg), pageSize)
	if err != nil {
		return err
	}
	p := &webhookDetailPage{basePage: s.newPage(w, r, "Webhook to "+hostOf(sub.URL)), Subscription: webhookView{sub}, Deliveries: ds,
		CanManage: itsm.ActorFromContext(ctx).CanManageWebhooks(), ReplayWindow: "5 minutes"}
	p.Caption = "Webhooks"
	p.BackHref = "/webhooks"
	p.Wide = true
	p.Pager = newPager(q, webhookHref(sub), pg, total, len(ds), "deliveries")
	return s.render(w, http.StatusOK, "webhook_detail", p)
}

func hostOf(u string) string {
	rest := u
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// webhookEditForm shows the form to change a subscription.
func (s *Server) webhookEditForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.findWebhookToChange(r)
	if err != nil {
		return err
	}
	p := s.webhookEditPage(w, r, sub)
	p.fill(sub.URL, sub.Description, idValue(sub.OrgID), sub.EventTypes, sub.Active)
	return s.render(w, http.StatusOK, "webhook_form", p)
}

func (s *Server) webhookEditPage(w http.ResponseWriter, r *http.Request, sub *itsm.WebhookSubscription) *webhookFormPage {
	p := &webhookFormPage{basePage: s.newPage(w, r, "Change the webhook to "+hostOf(sub.URL)), Editing: true, Version: sub.Version}
	p.Action, p.CancelHref, p.SubmitLabel, p.BackHref = webhookHref(sub)+"/edit", webhookHref(sub), "Save changes", webhookHref(sub)
	return p
}

// webhookUpdate saves a changed subscription.
func (s *Server) webhookUpdate(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.findWebhookToChange(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	url, description, events := r.PostFormValue("url"), r.PostFormValue("description"), r.PostForm["event_types"]
	active := r.PostFormValue("active") == "yes"
	if events == nil {
		events = []string{}
	}
	check := itsm.WebhookSubscription{URL: url, Description: description, EventTypes: events}
	err = check.Validate()
	var saved *itsm.WebhookSubscription
	if err == nil {
		saved, err = s.svc.Webhooks.UpdateWebhook(r.Context(), sub.ID, itsm.WebhookSubscriptionUpdate{URL: &url, Description: &description, EventTypes: &events, Active: &active, Version: version})
	}
	if formFailed(err) {
		p := s.webhookEditPage(w, r, sub)
		p.Version = version
		p.fill(url, description, idValue(sub.OrgID), events, active)
		p.setErrors(err, webhookFields...)
		return s.render(w, formStatus(err), "webhook_form", p)
	} else if err != nil {
		return err
	}
	return s.redirect(w, r, webhookHref(saved), "Your changes to the webhook have been saved.")
}

// webhookRotate replaces the secret and shows the new one once.
func (s *Server) webhookRotate(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.findWebhookToChange(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	rotated, err := s.svc.Webhooks.RotateWebhookSecret(r.Context(), sub.ID, version)
	if err != nil {
		return err
	}
	return s.showWebhookSecret(w, r, rotated, "The webhook has a new secret")
}

// webhookDelete removes a subscription and its log.
func (s *Server) webhookDelete(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.findWebhookToChange(r)
	if err != nil {
		return err
	}
	version, err := formVersion(r)
	if err != nil {
		return err
	}
	if err := s.svc.Webhooks.DeleteWebhook(r.Context(), sub.ID, version); err != nil {
		return err
	}
	return s.redirect(w, r, "/webhooks", "The webhook to "+hostOf(sub.URL)+" has been deleted.")
}

// webhookDeliveryPage is one delivery: its body and every attempt.
type webhookDeliveryPage struct {
	basePage
	Delivery  *itsm.WebhookDelivery
	Attempts  []*itsm.WebhookAttempt
	CanManage bool
	SubHref   string
}

func (s *Server) findDelivery(r *http.Request) (*itsm.WebhookDelivery, []*itsm.WebhookAttempt, error) {
	if err := canReadWebhooks(itsm.ActorFromContext(r.Context())); err != nil {
		return nil, nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	return s.svc.Webhooks.FindWebhookDelivery(r.Context(), id)
}

// webhookDelivery shows a delivery and its attempts.
func (s *Server) webhookDelivery(w http.ResponseWriter, r *http.Request) error {
	d, attempts, err := s.findDelivery(r)
	if err != nil {
		return err
	}
	p := &webhookDeliveryPage{basePage: s.newPage(w, r, "Delivery of "+d.EventType), Delivery: d, Attempts: attempts,
		CanManage: itsm.ActorFromContext(r.Context()).CanManageWebhooks(), SubHref: "/webhooks/" + strconv.FormatInt(d.SubscriptionID, 10)}
	p.Caption = "Webhooks"
	p.BackHref = p.SubHref
	p.Wide = true
	return s.render(w, http.StatusOK, "webhook_delivery", p)
}

// webhookRedeliver queues a delivery again.
func (s *Server) webhookRedeliver(w http.ResponseWriter, r *http.Request) error {
	d, _, err := s.findDelivery(r)
	if err != nil {
		return err
	}
	if err := canManageWebhooks(itsm.ActorFromContext(r.Context())); err != nil {
		return err
	}
	if _, err := s.svc.Webhooks.RedeliverWebhook(r.Context(), d.ID, ""); err != nil {
		return err
	}
	return s.redirect(w, r, "/webhook-deliveries/"+strconv.FormatInt(d.ID, 10), "The delivery has been queued again, with the same body and delivery ID.")
}
