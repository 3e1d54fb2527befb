import {Activity} from "@mail/core/web/activity";
import {ActivityListPopoverItem} from "@mail/core/web/activity_list_popover_item";
import {patch} from "@web/core/utils/patch";

/**
 * "Log the call" on the activity of a dunning call, in the chatter and in the activity
 * popovers: the call log wizard records the outcome, which decides the next step.
 */
function openCallLog(env, activity) {
    return new Promise((resolve) =>
        env.services.action.doAction("relance_avancee.relance_call_log_action", {
            additionalContext: {
                active_model: "mail.activity",
                active_id: activity.id,
                active_ids: [activity.id],
            },
            onClose: resolve,
        })
    );
}

patch(Activity.prototype, {
    async onClickRelanceLogCall() {
        const thread = this.thread;
        await openCallLog(this.env, this.props.activity);
        this.props.onActivityChanged(thread);
    },
});

patch(ActivityListPopoverItem.prototype, {
    async onClickRelanceLogCall() {
        await openCallLog(this.env, this.props.activity);
        this.props.onActivityChanged?.();
    },
});
