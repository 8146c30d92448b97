use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use nudge_domain::{PhoneNumber, StoreError, User, UserId, UserRepo};

use super::{DynamoStore, backend, from_item, s, to_item, user_pk};

const PROFILE: &str = "PROFILE";
const PHONE: &str = "PHONE";

fn phone_pk(phone: &PhoneNumber) -> String {
    format!("PHONE#{phone}")
}

#[async_trait]
impl UserRepo for DynamoStore {
    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let mut item = to_item(user)?;
        item.insert("PK".into(), s(user_pk(&user.id)));
        item.insert("SK".into(), s(PROFILE));
        item.insert("entity".into(), s("user"));
        let put_user = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(backend)?;
        let put_phone = Put::builder()
            .table_name(self.table())
            .item("PK", s(phone_pk(&user.phone)))
            .item("SK", s(PHONE))
            .item("entity", s("phone"))
            .item("user_id", s(user.id.to_string()))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(backend)?;
        let tx = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put_user).build())
            .transact_items(TransactWriteItem::builder().put(put_phone).build());
        if self.transact(tx).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("user id or phone number taken".into()))
        }
    }

    async fn get_user(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.get(user_pk(id), PROFILE).await?.map(from_item).transpose()
    }

    async fn save_user(&self, user: &User) -> Result<(), StoreError> {
        let mut item = to_item(user)?;
        item.insert("PK".into(), s(user_pk(&user.id)));
        item.insert("SK".into(), s(PROFILE));
        item.insert("entity".into(), s("user"));
        if self.put_if(item, "attribute_exists(PK)", None).await? {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn find_user_by_phone(&self, phone: &PhoneNumber) -> Result<Option<User>, StoreError> {
        let item = self.get(phone_pk(phone), PHONE).await?;
        let Some(user_id) = item.as_ref().and_then(|i| i.get("user_id")).and_then(|v| v.as_s().ok()) else {
            return Ok(None);
        };
        let id: UserId = user_id.parse().map_err(|_| StoreError::Backend("corrupt phone item".into()))?;
        self.get_user(&id).await
    }
}
